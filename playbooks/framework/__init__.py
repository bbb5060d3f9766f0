"""The decision framework as data: the knowledge files' schema, loading and company overlays."""
