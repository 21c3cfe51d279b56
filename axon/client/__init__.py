"""The async Python SDK for Axon: REST calls plus a self-healing real-time connection."""

from .realtime import Ack, AxonClient, ClientClosed, ClientState, Event, SendFailed
from .rest import ApiError, RestApi, SecondFactorRequired

__all__ = ["Ack", "ApiError", "AxonClient", "ClientClosed", "ClientState", "Event", "RestApi", "SecondFactorRequired",
           "SendFailed"]
