import { mount } from 'svelte'
import App from './components/App.svelte'
import './app.css'
import { registerServiceWorker } from './lib/stream/register'

registerServiceWorker()

mount(App, { target: document.getElementById('app')! })
