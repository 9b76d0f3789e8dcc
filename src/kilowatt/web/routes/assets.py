"""Dashboard pages: assets (being built)."""

from fastapi import APIRouter

router = APIRouter()
