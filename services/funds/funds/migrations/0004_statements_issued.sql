-- Each fund's monthly statement is issued (statement.issued) once: the row and the event commit together.
CREATE TABLE statements_issued (
    fund_id    uuid NOT NULL,
    month      text NOT NULL CHECK (month ~ '^\d{4}-(0[1-9]|1[0-2])$'),  -- YYYY-MM (Gregorian, Bangkok)
    issued_at  timestamptz NOT NULL,
    PRIMARY KEY (fund_id, month)
);
