"""The OPD scope: every session knows its OPD, and a query on an OPD's table without one raises.

A session scoped to an OPD gets that OPD's filter added to every ORM SELECT, UPDATE and DELETE
(subqueries and joins included) and its id written on every row it inserts, so no query of core
can forget it. A regency-wide reader (the scheduler, the sender, the CLI) says so explicitly.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, Integer, Table, bindparam, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OPD_MODELS

OPD_KEY, REGENCY_KEY = "opd_id", "regency"
# Execution option of the lookups of a person across the regency (by Telegram id or NIP): the
# only queries allowed before the session knows its OPD, and never filtered by one.
IDENTITY = {"identity_lookup": True}
_OPD_TABLES = frozenset(m.__tablename__ for m in OPD_MODELS)


class UnscopedQuery(RuntimeError):
    """A query or a write on an OPD's table in a session that knows neither its OPD nor that
    it reads the whole regency: a programming error, never a user's."""


class OpdSession(Session):
    """The sessions of `storage.db.Database`; the events below are registered on this class."""


def scope(session: AsyncSession | Session, opd_id: int) -> None:
    """From now on this session reads and writes this OPD's rows only."""
    current = session.info.get(OPD_KEY)
    if current is not None and current != opd_id:
        raise UnscopedQuery(f"session of OPD {current} asked for OPD {opd_id}")
    session.info[OPD_KEY] = opd_id


def regency(session: AsyncSession | Session) -> None:
    """This session reads across every OPD (scheduler, sender, operator commands)."""
    session.info[REGENCY_KEY] = True


def opd_of(session: AsyncSession | Session) -> int:
    """The session's OPD; an action that needs it before its scope is set is a bug."""
    opd_id = session.info.get(OPD_KEY)
    if opd_id is None:
        raise UnscopedQuery("this session has no OPD yet")
    return opd_id


class _SessionOpd(ColumnElement[int]):
    """The session's OPD in a filter: a parameter made when the statement is compiled and
    given at each execution. A parameter in the statement itself would make one compiled form
    per OPD, or, as a bound value, be copied by the ORM into every entity's filter, and each
    copy cost about a third of every scoped statement's execution."""

    __visit_name__ = "session_opd"
    _traverse_internals = ()  # nothing in it varies: every OPD's statement has one cache key
    inherit_cache = True
    type = Integer()


# The execution parameter that carries the session's OPD (see `_scope_statement`).
OPD_PARAM = "scope_opd_id"
_OPD_BIND = bindparam(OPD_PARAM, type_=Integer, required=True)


@compiles(_SessionOpd)
def _compile_session_opd(_element: _SessionOpd, compiler, **kw) -> str:
    return compiler.process(_OPD_BIND, **kw)


# The OPD's filter on each OPD model, one for every OPD: the OPD is the execution's parameter.
_CRITERIA = {
    model: with_loader_criteria(model, model.opd_id == _SessionOpd(), include_aliases=True)
    for model in OPD_MODELS
}


def _tables(statement) -> set[str]:
    return {
        t.name
        for t in visitors.iterate(statement, {"column_collections": False})
        if isinstance(t, Table)
    }


# The OPD models a statement's shape names, by its cache key (the same shape with other values
# has the same key): the filter goes on those only, as each one costs every execution.
_MODELS_OF: dict[object, tuple[type, ...]] = {}
MODELS_KEPT = 10_000


def _opd_models(statement) -> tuple[type, ...]:
    key = statement._generate_cache_key()
    found = _MODELS_OF.get(key.key) if key is not None else None
    if found is None:
        names = _tables(statement)
        found = tuple(m for m in OPD_MODELS if m.__tablename__ in names)
        if key is not None and len(_MODELS_OF) < MODELS_KEPT:
            _MODELS_OF[key.key] = found
    return found


# Each statement's scoped form, kept while the statement lives: the statements built once
# (storage/queries.py) are scoped once, not copied and keyed on every execution. An INSERT's
# form names its OPD, so it is kept per OPD.
_SCOPED: WeakKeyDictionary = WeakKeyDictionary()


def _scoped(statement):
    found = _SCOPED.get(statement)
    if found is None:
        found = _SCOPED[statement] = statement.options(
            *(_CRITERIA[m] for m in _opd_models(statement))
        )
    return found


def _inserted(statement: Insert, opd_id: int) -> Insert:
    if statement.table.name not in _OPD_TABLES:
        return statement
    per_opd = _SCOPED.get(statement)
    if per_opd is None:
        per_opd = _SCOPED[statement] = {}
    found = per_opd.get(opd_id)
    if found is None:
        found = per_opd[opd_id] = statement.values(opd_id=opd_id)
    return found


@event.listens_for(OpdSession, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    info = state.session.info
    opd_id = info.get(OPD_KEY)
    statement = state.statement
    if opd_id is not None and not isinstance(statement, Insert):
        # Every statement of a scoped session gets its OPD, a refresh or lazy load too: the
        # filter its first load carried may come with it.
        state.parameters = {**(state.parameters or {}), OPD_PARAM: opd_id}
    if state.is_column_load or state.is_relationship_load:
        return  # a refresh of a row this session already loaded under its scope
    if state.execution_options.get("identity_lookup"):
        return
    if opd_id is not None:
        if isinstance(statement, Insert):
            state.statement = _inserted(statement, opd_id)
        elif state.is_select or state.is_update or state.is_delete:
            state.statement = _scoped(statement)
        return
    if info.get(REGENCY_KEY):
        return
    touched = _opd_models(statement)
    if touched:
        names = ", ".join(sorted(m.__tablename__ for m in touched))
        raise UnscopedQuery(f"query on {names} without an OPD scope")


@event.listens_for(OpdSession, "before_flush")
def _stamp_new_rows(session: Session, _context, _instances) -> None:
    """New rows of an OPD's tables take the session's OPD; a row of another OPD is refused."""
    opd_id = session.info.get(OPD_KEY)
    for obj in session.new:
        if not isinstance(obj, OPD_MODELS):
            continue
        if opd_id is None:
            if session.info.get(REGENCY_KEY) and obj.opd_id is not None:
                continue
            raise UnscopedQuery(f"new {type(obj).__name__} without an OPD")
        if obj.opd_id is None:
            obj.opd_id = opd_id
        elif obj.opd_id != opd_id:
            raise UnscopedQuery(f"new {type(obj).__name__} of OPD {obj.opd_id} in OPD {opd_id}")
