"""The app's pages, one per job; each is a Streamlit script run by `playbooks.app.main`."""
