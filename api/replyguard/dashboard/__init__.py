"""The insight dashboard's page, script and styles, and the chart library it ships: files, served by web/dashboard.py."""
