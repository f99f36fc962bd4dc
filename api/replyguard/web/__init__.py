"""The web API: Flask blueprints, access control, errors and the served playbook site."""
