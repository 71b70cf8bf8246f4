"""The managers' "What clients said" page: search clients' texts, see the recurring themes."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from clients.web import ROWS_PER_PAGE, AuthenticatedHttpRequest, manager_required
from feedback.forms import ClientWordsFilterForm
from feedback.selectors.client_words import WordsFilter, anonymous_comments, client_word_hits, hits_from
from feedback.selectors.filters import competitor_choices, reason_choices
from feedback.selectors.themes import recurring_themes
from feedback.views import filter_form_and_filter


def _words_filter(request: AuthenticatedHttpRequest) -> tuple[ClientWordsFilterForm, WordsFilter]:
    form, dashboard_filter = filter_form_and_filter(
        request, ClientWordsFilterForm, reasons=reason_choices(), competitors=competitor_choices()
    )
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    words_filter = WordsFilter(
        dashboard=dashboard_filter,
        reason=cleaned.get("reason") or "",
        competitor=cleaned.get("competitor") or "",
        query=cleaned.get("query") or "",
    )
    return form, words_filter


@manager_required
def client_words(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, words_filter = _words_filter(request)
    page = Paginator(client_word_hits(words_filter), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "period": words_filter.dashboard,
        "words_filter": words_filter,
        "page": page,
        "hits": hits_from(list(page.object_list)),
        "anonymous": anonymous_comments(words_filter),
        "themes": recurring_themes(words_filter),
    }
    return render(request, "feedback/client_words.html", context)
