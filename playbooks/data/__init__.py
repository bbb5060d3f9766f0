"""The data a company brings: contracts and their checks, reading and conforming files,
validation, the workspace and the demo."""
