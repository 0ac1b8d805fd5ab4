"""Supervisors' reports: the helpline's figures for any period, from the registrations."""
