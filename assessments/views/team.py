"""Placeholder: being written."""

from django.http import HttpResponse


def assign(request, *args, **kwargs):
    return HttpResponse(status=501)
