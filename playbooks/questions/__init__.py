"""What customers ask: the need behind each question, and the themes that keep coming back."""
