"""The audit log: who did or viewed what, when, on which object."""
