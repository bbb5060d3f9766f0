"""The app's pages: thin layers of widgets over the `playbooks` package."""
