"""Pages of API results (its own module: REST framework imports it while it loads its views)."""

from __future__ import annotations

from rest_framework import pagination


class StablePagination(pagination.PageNumberPagination):
    """Numbered pages of 50 (up to 200 with ?page_size=); every list's order ends in the id, so pages never overlap."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
