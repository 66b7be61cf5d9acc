"""Placeholder: being written."""

from django.http import HttpResponse


def assessment_list(request, *args, **kwargs):
    return HttpResponse(status=501)


def cycle_publish_view(request, *args, **kwargs):
    return HttpResponse(status=501)


def mark_ready(request, *args, **kwargs):
    return HttpResponse(status=501)


def reopen(request, *args, **kwargs):
    return HttpResponse(status=501)


def sign_off(request, *args, **kwargs):
    return HttpResponse(status=501)


def submitted(request, *args, **kwargs):
    return HttpResponse(status=501)


def review(request, *args, **kwargs):
    return HttpResponse(status=501)


def history(request, *args, **kwargs):
    return HttpResponse(status=501)


def extension(request, *args, **kwargs):
    return HttpResponse(status=501)
