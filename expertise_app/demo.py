"""Demo data placeholder (filled in below)."""

from dataclasses import dataclass


@dataclass
class DemoAccount:
    role: str
    email: str
    password: str


DEMO_ACCOUNTS = []


def seed_demo():
    return False
