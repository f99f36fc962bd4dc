"""MkDocs hooks that build the playbook site from the same rule, template and complaint files the engine reads."""
