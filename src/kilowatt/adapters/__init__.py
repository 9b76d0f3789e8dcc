"""The outside world that feeds Kilowatt besides stations and people: IoT site meters over
MQTT (``mqtt_meters.py``). Like the other edges, adapters call services only."""
