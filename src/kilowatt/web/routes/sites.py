"""Dashboard pages: sites (being built)."""

from fastapi import APIRouter

router = APIRouter()
