"""Dashboard pages: connectors (being built)."""

from fastapi import APIRouter

router = APIRouter()
