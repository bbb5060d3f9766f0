"""Files users hand in, read with limits, and files the product hands back, written safely.

- `limits`: the size limit of each kind of file (`FileKind`), a file checked before it is read
  (missing, a folder, too big) and read whole (`read_user_bytes`, `read_user_text`); `excerpt`
  keeps what a message quotes short.
- `structured`: YAML and JSON read strictly: duplicate keys, YAML aliases and deep nesting
  refused, naming the file and line (`load_user_yaml`, `load_user_json`).
- `tables`: CSV rows streamed with a row limit and a value-size limit, ragged rows refused
  (`iter_csv_rows`, `split_csv_header`, `read_csv_records`).
- `writing`: output written to a temporary name and renamed into place
  (`write_text_atomic`, `atomic_output`, `atomic_path`), and the one formula-safe CSV writer
  (`neutralise_cell`, `csv_text`, `write_csv`).
"""
