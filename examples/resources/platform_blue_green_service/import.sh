# The revision serving 100 % becomes the stable revision.
terraform import platform_blue_green_service.api projects/acme-platform-prod/locations/us-central1/services/api
