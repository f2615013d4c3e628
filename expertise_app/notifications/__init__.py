"""Telling people what changed: in-app notifications and emails in their own language, through an outbox."""
