"""Placeholder: being written."""

from django.http import HttpResponse


def overview(request, *args, **kwargs):
    return HttpResponse(status=501)


def domain(request, *args, **kwargs):
    return HttpResponse(status=501)


def evidence_add(request, *args, **kwargs):
    return HttpResponse(status=501)


def evidence_download(request, *args, **kwargs):
    return HttpResponse(status=501)


def evidence_remove(request, *args, **kwargs):
    return HttpResponse(status=501)


def check_answers(request, *args, **kwargs):
    return HttpResponse(status=501)


def changes(request, *args, **kwargs):
    return HttpResponse(status=501)


def confirm_carried_forward(request, *args, **kwargs):
    return HttpResponse(status=501)
