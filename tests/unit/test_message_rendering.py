"""locum.messages: the Handlebars subset templates are rendered with, the plain-text part of emails,
Clerk's system templates, test-mode recipients and LOCUM_SMTP_URL parsing."""

import pytest

from locum.messages.catalogue import SYSTEM_TEMPLATES, system_templates
from locum.messages.plain_text import html_to_text
from locum.messages.rendering import TemplateSyntaxError, compile_template
from locum.messages.smtp import SmtpTarget
from locum.messages.test_mode import is_test_address

VARIABLES = {"app": {"name": "Acme & Co"}, "otp_code": "123456", "empty": "", "zero": 0, "items": [], "yes": True}


class TestRendering:
    def test_variables_dotted_paths_and_missing_ones(self) -> None:
        template = compile_template("{{otp_code}} for {{ app.name }}{{app.missing}}{{nothing.at.all}}!")
        assert template.render(VARIABLES, escape=False) == "123456 for Acme & Co!"

    def test_double_braces_escape_html_when_asked_and_triple_braces_never(self) -> None:
        variables = {"value": '<a href="x">\'`=&</a>'}
        escaped = compile_template("{{value}}").render(variables, escape=True)
        assert escaped == "&lt;a href&#x3D;&quot;x&quot;&gt;&#x27;&#x60;&#x3D;&amp;&lt;/a&gt;"
        assert compile_template("{{{value}}}").render(variables, escape=True) == variables["value"]
        assert compile_template("{{value}}").render(variables, escape=False) == variables["value"]

    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("{{#if otp_code}}code{{/if}}", "code"),
            ("{{#if empty}}a{{else}}b{{/if}}", "b"),
            ("{{#if zero}}a{{else}}b{{/if}}", "b"),
            ("{{#if items}}a{{else}}b{{/if}}", "b"),
            ("{{#if app}}a{{/if}}", "a"),
            ("{{#unless missing}}u{{else}}v{{/unless}}", "u"),
            ("{{#if yes}}{{#unless otp_code}}x{{else}}{{yes}}{{/unless}}{{/if}}", "true"),
            ("a{{! a note }}b{{!-- {{otp_code}} --}}c", "abc"),
        ],
    )
    def test_blocks_and_comments(self, source: str, expected: str) -> None:
        assert compile_template(source).render(VARIABLES, escape=True) == expected

    @pytest.mark.parametrize(
        "source",
        [
            "{{#each items}}x{{/each}}",
            "{{> partial}}",
            "{{formatDate requested_at}}",
            "{{#if a}}unclosed",
            "{{/if}}",
            "{{#if a}}x{{/unless}}",
            "{{else}}",
            "{{#if a}}{{else}}{{else}}{{/if}}",
            "{{{app.name | upper}}}",
            "{{#if}}{{/if}}",
        ],
    )
    def test_anything_else_is_a_syntax_error(self, source: str) -> None:
        with pytest.raises(TemplateSyntaxError):
            compile_template(source)

    def test_lookups_only_read_the_variables(self) -> None:
        template = compile_template("{{otp_code.__class__}}{{__class__.__name__}}{{app.name.upper}}")
        assert template.render(VARIABLES, escape=False) == ""

    def test_variables_lists_what_is_printed(self) -> None:
        template = compile_template("{{#if a}}{{b.c}}{{else}}{{{d}}}{{/if}} {{e}}")
        assert template.variables == {"b.c", "d", "e"}


def test_plain_text_of_an_email() -> None:
    html = """<html><head><title>T</title><style>p {color: red}</style></head>
    <body><h1>Verification   code</h1><p>Enter <b>123456</b>.<br>Thanks</p>
    <p><a href="https://example.com/accept?a=1&amp;b=2">Accept</a> or
    <a href="https://example.com">https://example.com</a></p><script>alert(1)</script></body></html>"""
    assert html_to_text(html) == (
        "Verification code\n\nEnter 123456.\nThanks\n\n"
        "Accept (https://example.com/accept?a=1&b=2) or https://example.com\n"
    )


class TestSystemTemplates:
    def test_every_template_compiles_and_prints_its_required_variables(self) -> None:
        for template in SYSTEM_TEMPLATES.values():
            body = compile_template(template.body)
            compile_template(template.subject or "")
            assert set(template.required_variables) <= body.variables, template.slug
            assert body.variables <= set(template.available_variables), template.slug
            assert (template.subject is None) == (template.template_type == "sms")

    def test_ids_are_stable_clerk_shaped_and_distinct(self) -> None:
        ids = [template.id for template in SYSTEM_TEMPLATES.values()]
        assert len(set(ids)) == len(ids)
        assert all(template_id.startswith("tmpl_") and len(template_id) == 32 for template_id in ids)
        assert SYSTEM_TEMPLATES["email", "verification_code"].id == "tmpl_S0TjdB1mjEhVNSd1lSbpV6TlVtC"

    def test_slugs_locum_sends(self) -> None:
        assert {t.slug for t in system_templates("email")} >= {"verification_code", "organization_invitation"}
        assert "verification_code" in {t.slug for t in system_templates("sms")}


@pytest.mark.parametrize(
    ("channel", "address", "expected"),
    [
        ("email", "jane+clerk_test@example.com", True),
        ("email", "Jane+Clerk_Test@Example.com", True),
        ("email", "jane+clerk_test_42@example.com", True),
        ("email", "jane@example.com", False),
        ("email", "jane@clerk_test.example.com", False),
        ("sms", "+12015550100", True),
        ("sms", "+14155550199", True),
        ("sms", "+14155550200", False),
        ("sms", "+14155550099", False),
        ("sms", "+442015550100", False),
    ],
)
def test_test_mode_addresses(channel: str, address: str, expected: bool) -> None:
    assert is_test_address("email" if channel == "email" else "sms", address) is expected


class TestSmtpUrl:
    def test_plain_with_credentials(self) -> None:
        target = SmtpTarget.from_url("smtp://user%40example.com:p%3Ass@mail.test:2525")
        assert target == SmtpTarget("mail.test", 2525, "user@example.com", "p:ss", use_tls=False, start_tls=False)

    def test_implicit_tls_and_starttls(self) -> None:
        assert SmtpTarget.from_url("smtps://mail.test") == SmtpTarget("mail.test", None, None, None, True, False)
        starttls = SmtpTarget.from_url("smtp://mail.test:587?starttls=true")
        assert (starttls.use_tls, starttls.start_tls, starttls.port) == (False, True, 587)

    @pytest.mark.parametrize("url", ["http://mail.test", "smtp://", "mail.test:25"])
    def test_anything_else_is_refused(self, url: str) -> None:
        with pytest.raises(ValueError, match="LOCUM_SMTP_URL"):
            SmtpTarget.from_url(url)
