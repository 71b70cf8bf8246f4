from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from clients.branding import brand
from clients.roles import is_manager


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "user_is_manager": bool(user is not None and is_manager(user)),
        "business_name": settings.BUSINESS_NAME,
        "brand": brand(),
    }
