"""Dashboard pages: charging_sessions (being built)."""

from fastapi import APIRouter

router = APIRouter()
