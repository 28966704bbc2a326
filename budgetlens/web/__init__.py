"""The Gradio app: a shell over the pipeline and the question answering."""
