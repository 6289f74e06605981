import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { connectApi } from './api.ts'
import { App } from './App.tsx'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root')
createRoot(root).render(
  <StrictMode>
    <App api={connectApi()} />
  </StrictMode>,
)
