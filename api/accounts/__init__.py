"""Accounts: sign-in, passwords and tokens, scopes and masking, the audit log."""
