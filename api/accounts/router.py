"""Sign-in (OAuth2 password flow) and the signed-in user's profile."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from api.accounts.security import create_token, verify_password
from api.dependencies import ScopeDep, SessionDep, StoreDep
from api.edge.responses import SIGNED_IN, Me, Token, answers
from api.errors import NotAuthenticated
from api.models import User

router = APIRouter(tags=["auth"])


def user_json(user: User) -> dict[str, Any]:
    """The public profile of a user."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role}


@router.post("/auth/token", response_model=None, responses=answers(Token, 401, 413, 422))
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, store: StoreDep
) -> dict[str, Any]:
    """Exchange a username and password for a bearer token."""
    user = session.scalar(select(User).where(User.username == form.username, User.active.is_(True)))
    if user is None or not verify_password(user.password_hash, form.password):
        raise NotAuthenticated("wrong username or password", ("body", "password"))
    token = create_token(user.username, store.secret, store.settings.token_minutes)
    return {"access_token": token, "token_type": "bearer", "user": user_json(user)}


@router.get("/me", response_model=None, responses=answers(Me, *SIGNED_IN))
def me(scope: ScopeDep, session: SessionDep) -> dict[str, Any]:
    """Who is signed in and which cells and communities they work in."""
    user = session.get(User, scope.user_id)
    assert user is not None
    return {
        **user_json(user),
        "cells": sorted(scope.cells) if scope.cells is not None else None,
        "communities": sorted(scope.communities) if scope.communities is not None else None,
    }
