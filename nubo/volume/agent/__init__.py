"""Volume hosts: the backend drivers (file, fake). No database code here."""
