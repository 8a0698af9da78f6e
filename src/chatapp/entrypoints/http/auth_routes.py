"""Strapi users-permissions routes: register, login, me, change/forgot/reset password."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import get, post
from litestar.params import JSONBody

from chatapp.application.authenticate import Authenticate, Credentials
from chatapp.application.change_password import ChangePassword, ChangePasswordCommand
from chatapp.application.forgot_password import ForgotPassword
from chatapp.application.register_user import RegisterUser, RegisterUserCommand
from chatapp.application.reset_password import ResetPassword, ResetPasswordCommand
from chatapp.application.results import SignedIn
from chatapp.entrypoints.http.bearer import BEARER
from chatapp.entrypoints.http.errors import documented_errors
from chatapp.entrypoints.http.schemas import (
    ChangePasswordBody,
    ForgotPasswordBody,
    LoginBody,
    OkOut,
    RegisterBody,
    ResetPasswordBody,
    SignedInOut,
)
from chatapp.entrypoints.ioc.caller import Caller
from chatapp.entrypoints.wire import UserOut


def signed_in(result: SignedIn) -> SignedInOut:
    return SignedInOut(jwt=result.jwt, user=UserOut.of(result.user))


@post("/api/auth/local/register", status_code=200, tags=["auth"], responses=documented_errors(400, 429))
@inject
async def register(data: JSONBody[RegisterBody], register_user: FromDishka[RegisterUser]) -> SignedInOut:
    """Create an account; answers a token and the user."""
    command = RegisterUserCommand(username=data.username, email=data.email, password=data.password)
    return signed_in(await register_user(command))


@post("/api/auth/local", status_code=200, tags=["auth"], responses=documented_errors(400, 429))
@inject
async def login(data: JSONBody[LoginBody], authenticate: FromDishka[Authenticate]) -> SignedInOut:
    """Sign in with an email or username and a password."""
    return signed_in(await authenticate(Credentials(identifier=data.identifier, password=data.password)))


@get("/api/users/me", tags=["users"], security=BEARER, responses=documented_errors(401))
@inject
async def me(caller: FromDishka[Caller]) -> UserOut:
    """The user of the bearer token."""
    return UserOut.of(caller)


@post(
    "/api/auth/change-password",
    status_code=200,
    tags=["auth"],
    security=BEARER,
    responses=documented_errors(400, 401),
)
@inject
async def change_password(
    data: JSONBody[ChangePasswordBody], caller: FromDishka[Caller], change: FromDishka[ChangePassword]
) -> SignedInOut:
    """Replace the caller's password; tokens issued before stop working."""
    command = ChangePasswordCommand(
        user=caller,
        current_password=data.current_password,
        password=data.password,
        password_confirmation=data.password_confirmation,
    )
    return signed_in(await change(command))


@post("/api/auth/forgot-password", status_code=200, tags=["auth"], responses=documented_errors(400, 429))
@inject
async def forgot_password(data: JSONBody[ForgotPasswordBody], forgot: FromDishka[ForgotPassword]) -> OkOut:
    """Email a reset code; the answer never tells whether the address is known."""
    await forgot(data.email)
    return OkOut(ok=True)


@post("/api/auth/reset-password", status_code=200, tags=["auth"], responses=documented_errors(400, 429))
@inject
async def reset_password(data: JSONBody[ResetPasswordBody], reset: FromDishka[ResetPassword]) -> SignedInOut:
    """Set a new password with a code from forgot-password."""
    command = ResetPasswordCommand(
        code=data.code, password=data.password, password_confirmation=data.password_confirmation
    )
    return signed_in(await reset(command))


RATE_LIMITED_ROUTES = [register, login, forgot_password, reset_password]
OTHER_ROUTES = [me, change_password]
