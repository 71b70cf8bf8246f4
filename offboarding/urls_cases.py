from __future__ import annotations

from django.urls import path

from offboarding.views import cases, client_page, handover_lists, offers, reasons, saves

app_name = "offboarding"

urlpatterns = [
    path("open/<int:client_pk>/", cases.case_open, name="case_open"),
    path("client/<int:client_pk>/returned/", client_page.client_returned, name="client_returned"),
    path("client/<int:client_pk>/keep-in-touch/", client_page.client_keep_in_touch, name="client_keep_in_touch"),
    path("<int:pk>/", cases.case_detail, name="case"),
    path("<int:pk>/details/", cases.case_edit, name="case_edit"),
    path("<int:pk>/steps/<slug:step>/", cases.step_save, name="step_save"),
    path("<int:pk>/steps/<slug:step>/skip/", cases.step_skip, name="step_skip"),
    path("<int:pk>/handover/", cases.handover_add, name="handover_add"),
    path("<int:pk>/handover/<int:item_pk>/done/", cases.handover_done, name="handover_done"),
    path("<int:pk>/offers/", offers.offer_add, name="offer_add"),
    path("<int:pk>/offers/<int:offer_pk>/answer/", offers.offer_answer, name="offer_answer"),
    path("<int:pk>/depart/", cases.case_depart, name="case_depart"),
    path("saves/watching/", saves.saves_watching, name="saves_watching"),
    path("reasons/", reasons.reason_list, name="reasons"),
    path("reasons/<int:pk>/", reasons.reason_edit, name="reason_edit"),
    path("reasons/<int:pk>/retire/", reasons.reason_retire, name="reason_retire"),
    path("reasons/<int:pk>/restore/", reasons.reason_restore, name="reason_restore"),
    path("handover-lists/", handover_lists.handover_lists, name="handover_lists"),
    path("handover-lists/edit/", handover_lists.handover_list_edit, name="handover_list_edit"),
    path("handover-lists/reset/", handover_lists.handover_list_reset_view, name="handover_list_reset"),
]
