"""CX Playbooks in the browser (`streamlit run app.py`); the pages live in playbooks/app/."""

from playbooks.app.main import run

run()
