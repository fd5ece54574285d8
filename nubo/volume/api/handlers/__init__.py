"""Block storage handlers: begin (policy, version), validate, call the service, render."""
