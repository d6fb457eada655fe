"""The centres registry's handler table: the registry consumes no events (it is where the
organisation.* and fund.* events come from), so the table is empty; ``contracts.topology`` agrees."""

EVENT_HANDLERS = {}
