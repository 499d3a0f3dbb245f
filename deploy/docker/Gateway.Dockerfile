# The gateway image. Build from the repository root:
#   docker build -f deploy/docker/Gateway.Dockerfile -t engine-gateway .
# Not trimmed: Orleans' generated serializers and activators are found by reflection.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first, so a source change reuses the restore layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Grains.Abstractions/Engine.Grains.Abstractions.csproj Grains.Abstractions/
COPY Grains/Engine.Grains.csproj Grains/
COPY Gateway/Engine.Gateway.csproj Gateway/
COPY Gateway/Simulator/Engine.Simulator.csproj Gateway/Simulator/
RUN dotnet restore Gateway/Engine.Gateway.csproj
COPY Grains.Abstractions/ Grains.Abstractions/
COPY Grains/ Grains/
COPY Gateway/ Gateway/
COPY deploy/sql/ deploy/sql/
RUN dotnet publish Gateway/Engine.Gateway.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# The image's unprivileged "app" user: ports above 1024, nothing here needs root.
USER $APP_UID
ENV Gateway__HttpUrl=http://0.0.0.0:8080 \
    Gateway__GrpcUrl=http://0.0.0.0:8081
EXPOSE 8080 8081
ENTRYPOINT ["dotnet", "Engine.Gateway.dll"]
