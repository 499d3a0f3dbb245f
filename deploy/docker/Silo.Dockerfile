# The silo image. Build from the repository root:
#   docker build -f deploy/docker/Silo.Dockerfile -t engine-silo .
# Not trimmed: Orleans' generated serializers and activators are found by reflection.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first, so a source change reuses the restore layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Grains.Abstractions/Engine.Grains.Abstractions.csproj Grains.Abstractions/
COPY Grains/Engine.Grains.csproj Grains/
COPY Silo/Engine.Silo.csproj Silo/
RUN dotnet restore Silo/Engine.Silo.csproj
COPY Grains.Abstractions/ Grains.Abstractions/
COPY Grains/ Grains/
COPY Silo/ Silo/
COPY deploy/sql/ deploy/sql/
RUN dotnet publish Silo/Engine.Silo.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# The image's unprivileged "app" user; nothing here needs root.
USER $APP_UID
ENV Silo__HttpUrl=http://0.0.0.0:8080
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "Engine.Silo.dll"]
