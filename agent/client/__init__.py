"""Client layer: the SDK helpers (`agent.client.sdk`), the command line (`python -m agent.client`), the demo."""
