"""Indicators and their figures (SOP steps 4-6), one transaction per action.

Step 4 (`importer`): a clean Kertas Kerja upload replaces the period's indicator set.
Step 5 (`report`): every PIC reports the realisation of their indicators; `progress` shows what
is left. Step 6 (`evaluate`): Tim SAKIP validates or returns each figure. Step 9 (`reopen`): a
rejection that names indicators reopens step 6 for those figures. The names callers use are
gathered here.
"""

from core.indicators.common import (
    EVIDENCE,
    EVIDENCE_KIND,
    EVIDENCE_ROLES,
    KK_PRIVATE,
    MARKS,
    MAX_FAKTOR,
    MISSING,
    REPORTED,
    RETURNED,
    STATUS_LABELS,
    VALID,
    Card,
    ClosingPreview,
    Decided,
    Idle,
    MissingLine,
    PicLine,
    Preview,
    Progress,
    ReportItem,
    ScaleQuestion,
    Submitted,
    earlier_across,
    earlier_figures,
    may_read_document,
    open_run,
)
from core.indicators.evaluate import (
    check_can_return,
    decide_figure,
    evidence,
    next_card,
    return_note,
)
from core.indicators.importer import import_kertas_kerja
from core.indicators.progress import has_indicators, periods_with_indicators, progress
from core.indicators.reopen import parse_named_codes, reopen_named
from core.indicators.report import (
    AlreadyStored,
    close_reporting,
    closing_preview,
    my_indicators,
    preview,
    report_item,
    reporting_gaps,
    reporting_targets,
    submit,
    waiting_work,
)

__all__ = [
    "EVIDENCE",
    "EVIDENCE_KIND",
    "EVIDENCE_ROLES",
    "KK_PRIVATE",
    "MARKS",
    "MAX_FAKTOR",
    "MISSING",
    "REPORTED",
    "RETURNED",
    "STATUS_LABELS",
    "VALID",
    "AlreadyStored",
    "Card",
    "ClosingPreview",
    "Decided",
    "Idle",
    "MissingLine",
    "PicLine",
    "Preview",
    "Progress",
    "ReportItem",
    "ScaleQuestion",
    "Submitted",
    "check_can_return",
    "close_reporting",
    "closing_preview",
    "decide_figure",
    "earlier_across",
    "earlier_figures",
    "evidence",
    "has_indicators",
    "import_kertas_kerja",
    "may_read_document",
    "my_indicators",
    "next_card",
    "open_run",
    "parse_named_codes",
    "periods_with_indicators",
    "preview",
    "progress",
    "reopen_named",
    "report_item",
    "reporting_gaps",
    "reporting_targets",
    "return_note",
    "submit",
    "waiting_work",
]
