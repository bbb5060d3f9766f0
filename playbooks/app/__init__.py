"""The Streamlit app: `main` sets up navigation, `pages/` holds one page per job and `common`
the shared caches. The only part of the package that imports streamlit."""
