"""Cases: intake, the regional queue and case handling."""
