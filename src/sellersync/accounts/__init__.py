"""Users, workspaces, sign-in sessions, API tokens and the Amazon OAuth connect flow."""
