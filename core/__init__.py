"""The rules of the SOP: step data, workflow engine, capaian, calendar, parsing, workbooks."""
