"""The gallery kiosk (live input, browser page). Not built yet."""
