"""Recipes: how a known tool's export becomes contract rows, declared as data.

A recipe is a YAML file (`tools/<id>.yaml` for the shipped ones) validated by the pydantic
models of `schema.py`; `docs/recipes.md` is generated from those models and the shipped
recipes (`playbooks recipes docs`). The format, in short::

    id: zendesk_tickets            # the file name without .yaml; used by --recipe
    tool: Zendesk tickets          # the export's name as users know it
    table: activity                # accounts | activity | health_snapshots
    source: helpdesk               # the workspace source; also starts event ids
    written_from: ...              # the documentation page (or real export) it follows
    recognise:                     # from the first lines only
      all_columns: [Id, Requester email, Created at]   # JSON lines: dotted paths (properties.time)
      any_columns: [Summation column]          # optional: one of these too
      first_line: ...                          # optional: text the first line contains
      section: ...                             # optional: a line among the first lines
    read:                          # all optional
      format: csv                  # csv | jsonl
      encoding: utf-8              # utf-8 (BOM or not) | windows-1252
      delimiter: ","
      decimal_comma: false
      skip_rows: 0                 # lines before the header
      footer_lines: 0              # lines at the end to drop
      footer_from: Grand Totals    # or: drop from the line starting with this text
      section: {start: "Attendees", end: ""}   # a block of a multi-section report
    timezone: UTC                  # for times written without an offset
    datetime_formats: [YYYY-MM-DD]  # format names or strftime patterns; default: detected
    optional_columns: [Subject]    # read as empty when the export lacks them
    value_maps:                    # per export column; keys case-insensitive
      Via: {values: {Web form: help_center, Chat: support_agent}, other: support_agent}
    filters:                       # every row must pass these (column + one test)
      - {column: Requester email, not_empty: true}
    events:                        # each export row becomes zero or more of these
      - kind: ticket_opened
        where: [{column: Status, in: [Solved, Closed]}]
        id_from: [Id]              # event_id = <source>-<Id>-<kind>
        columns:                   # contract column: expression
          occurred_at: {column: Created at}
          person_id: {hash: Requester email}   # sha256, never the address
          account_ref: {domain_of: Requester email}
          channel: {map: Via}
        account_ref_kind: domain   # id | alt_id | domain | name
        constants: {source_function: support, actor_type: customer, automated: false}

Tests: every shipped recipe runs on `tests/data/exports/<id>.<ext>` and is compared with
`tests/data/exports/<id>.expected.yaml` (`rows` per kind, and a few exact `examples`).

The modules: `schema` (the format), `catalogue` (`parse_recipe` for a file, `shipped_recipes`),
`reader` (opening an export as a recipe says), `engine` (applying a recipe with polars
expressions, batch by batch), `recognise` (which recipe fits a file), `convert` (an export to
a contract-shaped Parquet, account references resolved through the crosswalk), `importing`
(`import_exports`: the import with recipes, as `playbooks import` runs it) and `docs` (the
reference page).
"""
