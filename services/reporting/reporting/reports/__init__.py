"""The plan's reports, computed from the read models, rendered as JSON, XLSX and PDF, archived by version."""
