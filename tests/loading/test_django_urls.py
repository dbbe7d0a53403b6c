"""Django URL configurations: the routed views, their paths and the files they are in."""

from __future__ import annotations

from pathlib import Path

from slsguard.loading.django_urls import django_views


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_routes_through_includes_and_every_import_form(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "site/settings.py": 'ROOT_URLCONF = "site.urls"\n',
            "site/urls.py": (
                "from django.urls import include, path\nimport shop.views\n"
                "from shop import api\n\n"
                "def health(request):\n    return None\n\n"
                "urlpatterns = [\n"
                '    path("health", health),\n'
                '    path("shop/", include(("shop.urls", "shop"))),\n'
                '    path("legacy/<int:id>", shop.views.legacy),\n'
                '    path("api/<slug:name>/", api.lookup),\n'
                '    path("admin/", admin.site.urls),\n'
                '    path("class/", shop.views.Orders.as_view()),\n'
                "]\n"
            ),
            "shop/urls.py": (
                "from django.urls import path, re_path\nfrom . import views\n"
                "from .views import order\n\n"
                'urlpatterns = [path("orders/<int:pk>/", order)]\n'
                'urlpatterns += [re_path(r"^list/(?P<page>[0-9]+)$", views.listing)]\n'
            ),
            "shop/views.py": (
                "def order(request, pk):\n    pass\n\ndef listing(request, page):\n    pass\n\n"
                "def legacy(request, id):\n    pass\n\ndef unrouted(request):\n    pass\n\n"
                "class Orders:\n    def get(self, request):\n        pass\n"
            ),
            "shop/api.py": "def lookup(request, name):\n    pass\n",
        },
    )
    assert django_views(tmp_path, "site.settings", tmp_path) == [
        ["health", "ANY", "/health", "site/urls.py", "1"],
        ["order", "ANY", "/shop/orders/{pk}/", "shop/views.py", "1"],
        ["listing", "ANY", "/shop/list/{page}", "shop/views.py", "1"],
        ["legacy", "ANY", "/legacy/{id}", "shop/views.py", "1"],
        ["lookup", "ANY", "/api/{name}/", "shop/api.py", "1"],
        ["Orders.get", "GET", "/class/", "shop/views.py", "1"],  # a class-based view's method
    ]


def test_without_a_url_configuration_the_caller_falls_back(tmp_path: Path) -> None:
    _write(tmp_path, {"site/settings.py": "DEBUG = False\n"})
    assert django_views(tmp_path, "site.settings", tmp_path) is None
    assert django_views(tmp_path, "missing.settings", tmp_path) is None
