"""The bus over RabbitMQ (aio-pika): see bus.py for its queues, exchanges and guarantees."""

from nubo.core.bus.amqp.bus import HELLO, AmqpBus, MalformedMessage
from nubo.core.bus.amqp.connection import CONTROLLER_QUEUE, QUORUM, host_queue

__all__ = ["CONTROLLER_QUEUE", "HELLO", "QUORUM", "AmqpBus", "MalformedMessage", "host_queue"]
