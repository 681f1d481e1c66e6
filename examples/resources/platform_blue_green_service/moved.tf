# Replace the google_cloud_run_v2_service block with the platform_blue_green_service
# one (same name, template and location), then:
moved {
  from = google_cloud_run_v2_service.api
  to   = platform_blue_green_service.api
}
