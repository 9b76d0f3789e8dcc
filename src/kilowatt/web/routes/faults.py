"""Dashboard pages: faults (being built)."""

from fastapi import APIRouter

router = APIRouter()
