"""The API tokens page: a person makes, sees and revokes their own tokens. A new token is shown
once, on the page that made it, and never again (only its hash is kept)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from organisations.forms import ApiTokenForm
from organisations.selectors import api_tokens_of
from organisations.services.tokens import api_token_create, api_token_revoke


def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            row, created = api_token_create(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm()
            messages.success(request, f"Token {row.name!r} made: copy it now, it will not be shown again")
    return render(
        request,
        "account/api_tokens.html",
        {"form": form, "tokens": list(api_tokens_of(request.user)), "created": created, "now": timezone.now()},
        status=400 if form.errors else 200,
    )


@require_POST
def api_token_revoke_view(request: HttpRequest) -> HttpResponse:
    token = get_object_or_404(api_tokens_of(request.user), digest=request.POST.get("token", ""))
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token {token.name!r} revoked: anything still using it is refused from now on")
    return redirect("api-tokens")
