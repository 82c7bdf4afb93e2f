"""The staff sign-in box every staff tab opens with; each tab checks its own roles."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr


@dataclass(frozen=True)
class LoginBox:
    box: gr.Group
    username: gr.Textbox
    password: gr.Textbox
    button: gr.Button
    error: gr.Markdown


def login_box(title: str) -> LoginBox:
    """Build inside a Blocks context; the tab hides ``box`` once someone with the right role signs in."""
    with gr.Group(visible=True) as box:
        gr.Markdown(title)
        username = gr.Textbox(label="Username")
        password = gr.Textbox(label="Password", type="password")
        button = gr.Button("Sign in", variant="primary")
        error = gr.Markdown()
    return LoginBox(box, username, password, button, error)
